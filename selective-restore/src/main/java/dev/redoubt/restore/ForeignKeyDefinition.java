package dev.redoubt.restore;

/**
 * A foreign key as the schema archive defines it.
 *
 * @param schema the schema of the constrained table
 * @param table the constrained table
 * @param name the constraint's name
 * @param sql the {@code ALTER TABLE ... ADD CONSTRAINT} statement that creates it, with
 * qualified names
 */
public record ForeignKeyDefinition(String schema, String table, String name, String sql) {

	public String qualifiedName() {
		return this.schema + "." + this.table + "." + this.name;
	}

}
