/**
 * Named safety points around migrations: a restore point, archived in every region,
 * recorded with the schema version it was taken at.
 */
package dev.redoubt.service.checkpoint;
