/**
 * Spring Batch jobs: thin adapters that run the plain Java facades and record each run in
 * the job repository, with parameters that never hold secrets.
 */
package dev.redoubt.service.job;
