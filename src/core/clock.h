/*
 * core/clock.h - wall time for the analyses' reports (how long a comparison took), never
 * for the simulation itself.
 */
#ifndef HEMOSIM_CORE_CLOCK_H
#define HEMOSIM_CORE_CLOCK_H

/* Seconds of a monotonic clock (CLOCK_MONOTONIC): differences are elapsed wall time. */
double hs_wall_s(void);

#endif
