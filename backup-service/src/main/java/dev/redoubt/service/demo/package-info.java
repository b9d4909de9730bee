/**
 * The embedded default: a throwaway PostgreSQL with sample data and two embedded S3
 * regions, so the whole backup and restore can be seen on a machine with nothing else
 * running.
 */
package dev.redoubt.service.demo;
