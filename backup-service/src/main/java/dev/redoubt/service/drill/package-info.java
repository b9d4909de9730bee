/** The service's scheduled DR drills: the launcher, their metrics. */
package dev.redoubt.service.drill;
