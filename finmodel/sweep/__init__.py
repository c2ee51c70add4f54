"""Sensitivity sweeps: input distributions, samplers, rank correlation and
streaming summaries over chunks of scenarios."""
