/**
 * Typed configuration under {@code redoubt.*}, validated in one place, and the fleet
 * built from it: sources, the repository of every region, the keys.
 */
package dev.redoubt.service.config;
