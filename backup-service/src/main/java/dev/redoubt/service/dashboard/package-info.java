/**
 * The web dashboard {@code serve} renders at {@code /}: the fleet, a source, a backup,
 * and triggers for the write role; rendered on the server (Thymeleaf), readable without
 * JavaScript, behind the same users as the API.
 */
package dev.redoubt.service.dashboard;
