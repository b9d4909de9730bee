/**
 * A storage region in S3 or an S3-compatible store, and embedded S3 regions for the demo
 * and tests.
 */
package dev.redoubt.core.store.s3;
