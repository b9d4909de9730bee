/**
 * The REST API of {@code redoubt serve} (OpenAPI at {@code /v3/api-docs}) and who may
 * call it.
 */
package dev.redoubt.service.api;
