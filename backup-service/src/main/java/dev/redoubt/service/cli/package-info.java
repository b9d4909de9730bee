/**
 * The {@code redoubt} command line: one class per subcommand, arguments validated before
 * any connection opens, {@code --output json} as a stable contract.
 */
package dev.redoubt.service.cli;
