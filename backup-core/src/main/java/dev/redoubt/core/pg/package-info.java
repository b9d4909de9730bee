/**
 * PostgreSQL concepts and tools: connection specs, server versions, client tool
 * discovery, session settings for byte-stable COPY text, and throwaway local clusters.
 */
package dev.redoubt.core.pg;
