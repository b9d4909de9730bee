/**
 * Sample databases for the demo and the tests.
 */
package dev.redoubt.core.sample;
