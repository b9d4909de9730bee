/**
 * The catalog: the metadata database's copy of what each source's repository holds,
 * rebuilt from the repository alone by {@code redoubt catalog rebuild}.
 */
package dev.redoubt.service.catalog;
