/**
 * The service: {@code redoubt serve}, the Quartz cluster that fires each source's
 * schedules, the Spring Batch jobs they run, fencing across replicas, and the metrics.
 */
package dev.redoubt.service.schedule;
