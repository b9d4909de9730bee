/**
 * DR drills: declare the loss of a region, recover the source from what the surviving
 * regions hold into a throwaway PostgreSQL, check it, and measure RTO and RPO against
 * their targets. The verdict is PASS, FAIL or COULD NOT RUN; the record is stored,
 * signed, in every surviving region.
 */
package dev.redoubt.verify.drill;
