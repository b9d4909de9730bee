package dev.redoubt.restore;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import dev.redoubt.core.error.RedoubtException;
import dev.redoubt.core.manifest.TableEntry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TableDefinitionsTest {

	/**
	 * What pg_restore -f - writes for the entries of a serial table, as pg_dump 15 does.
	 */
	private static final String SCRIPT = """
			--
			-- PostgreSQL database dump
			--
			\\restrict ZeA9TIpCw6KHdwY9eTRo1AMsww9DDnSkXJtLPOwg0CcEbEi5pZEGtUcwLgJ3OjG
			SET standard_conforming_strings = on;
			SELECT pg_catalog.set_config('search_path', '', false);

			--
			-- Name: orders; Type: TABLE; Schema: public; Owner: -
			--

			CREATE TABLE public.orders (
			    id integer NOT NULL,
			    note text DEFAULT 'public.orders; not a name'::text,
			    state public.mood,
			    CONSTRAINT orders_note_check CHECK ((public.valid(note) AND (note <> E'it''s \\\\ public.orders')))
			);

			CREATE SEQUENCE public.orders_id_seq
			    AS integer
			    START WITH 1;

			ALTER SEQUENCE public.orders_id_seq OWNED BY public.orders.id;

			CREATE TABLE public.other (id integer);

			CREATE SEQUENCE public.unrelated_seq;

			ALTER TABLE ONLY public.orders ALTER COLUMN id SET DEFAULT nextval('public.orders_id_seq'::regclass);

			ALTER TABLE ONLY public.orders
			    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);

			CREATE INDEX orders_note_idx ON public.orders USING btree (note);

			CREATE INDEX other_idx ON public.other USING btree (id);

			ALTER TABLE ONLY public.orders
			    ADD CONSTRAINT orders_other_fkey FOREIGN KEY (id) REFERENCES public.other(id);

			CREATE TRIGGER orders_touch BEFORE UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION public.touch();

			CREATE FUNCTION public.f() RETURNS integer LANGUAGE sql AS $_$ SELECT 1; $_$;
			""";

	private static final TableEntry ORDERS = new TableEntry("public", "orders", "permanent", null, List.of("id"), "id",
			0, "", List.of());

	@Test
	void findsEveryStatementOfATableAndNothingOfAnother() {
		TableDefinitions.Table orders = TableDefinitions.parse(SCRIPT).of(ORDERS);

		assertThat(orders.table().statement().text()).startsWith("CREATE TABLE public.orders (");
		assertThat(orders.sequences()).containsExactly(new QualifiedName("public", "orders_id_seq"));
		assertThat(orders.beforeRows()).extracting(TableDefinitions.Definition::kind)
			.containsExactly(TableDefinitions.Kind.SEQUENCE, TableDefinitions.Kind.OWNED_BY,
					TableDefinitions.Kind.DEFAULT);
		assertThat(orders.afterRows()).extracting((d) -> d.statement().text())
			.containsExactly("ALTER TABLE ONLY public.orders\n    ADD CONSTRAINT orders_pkey PRIMARY KEY (id)",
					"CREATE INDEX orders_note_idx ON public.orders USING btree (note)");
		assertThat(orders.foreignKeys()).hasSize(1);
		assertThat(TableDefinitions.referenced(orders.foreignKeys().get(0)))
			.isEqualTo(new QualifiedName("public", "other"));
		assertThat(orders.triggers()).hasSize(1);
	}

	@Test
	void relocatesOnlyTheTableAndItsSequencesNotStringsTypesOrFunctions() {
		TableDefinitions.Table orders = TableDefinitions.parse(SCRIPT).of(ORDERS);
		Map<QualifiedName, QualifiedName> names = Map.of(new QualifiedName("public", "orders"),
				new QualifiedName("Ré store", "orders"), new QualifiedName("public", "orders_id_seq"),
				new QualifiedName("Ré store", "orders_id_seq"));

		String table = TableDefinitions.relocate(orders.table(), names, UnaryOperator.identity());
		assertThat(table).startsWith("CREATE TABLE \"Ré store\".\"orders\" (")
			.contains("DEFAULT 'public.orders; not a name'::text", "state public.mood", "public.valid(note)",
					"E'it''s \\\\ public.orders'");
		assertThat(TableDefinitions.relocate(orders.beforeRows().get(1), names, UnaryOperator.identity()))
			.isEqualTo("ALTER SEQUENCE \"Ré store\".\"orders_id_seq\" OWNED BY \"Ré store\".\"orders\".id");
		assertThat(TableDefinitions.relocate(orders.beforeRows().get(2), names, UnaryOperator.identity()))
			.isEqualTo("ALTER TABLE ONLY \"Ré store\".\"orders\" ALTER COLUMN id SET DEFAULT"
					+ " nextval('\"Ré store\".\"orders_id_seq\"'::regclass)");
		// a foreign key to a table that is not restored still points at the live one
		assertThat(TableDefinitions.relocate(orders.foreignKeys().get(0), names, UnaryOperator.identity()))
			.endsWith("REFERENCES public.other(id)");
	}

	@Test
	void aNewTableNameRenamesItsConstraintsAndIndexes() {
		TableDefinitions.Table orders = TableDefinitions.parse(SCRIPT).of(ORDERS);
		Map<QualifiedName, QualifiedName> names = Map.of(new QualifiedName("public", "orders"),
				new QualifiedName("public", "orders_back"));
		UnaryOperator<String> rename = (n) -> n.replace("orders", "orders_back");

		assertThat(orders.afterRows())
			.extracting((d) -> TableDefinitions.relocate(d, names, rename).replaceAll("\\s+", " "))
			.containsExactly(
					"ALTER TABLE ONLY \"public\".\"orders_back\" ADD CONSTRAINT \"orders_back_pkey\" PRIMARY KEY (id)",
					"CREATE INDEX \"orders_back_note_idx\" ON \"public\".\"orders_back\" USING btree (note)");
	}

	@Test
	void aTemporaryStagingCopyIsNeverUnlogged() {
		String script = "CREATE UNLOGGED TABLE public.cache (key text NOT NULL);";
		TableEntry cache = new TableEntry("public", "cache", "unlogged", null, List.of("key"), null, 0, "", List.of());
		TableDefinitions.Table table = TableDefinitions.parse(script).of(cache);

		assertThat(TableDefinitions.asTemporary(table.table(), new QualifiedName("public", "cache"), "redoubt_stage"))
			.isEqualTo("CREATE TABLE \"pg_temp\".\"redoubt_stage\" (key text NOT NULL)");
	}

	@Test
	void aChildTableIsRefusedBecauseItsCopyWouldJoinTheLiveParent() {
		String script = "CREATE TABLE public.child (extra integer) INHERITS (public.parent);";
		TableEntry child = new TableEntry("public", "child", "permanent", null, List.of("extra"), null, 0, "",
				List.of());

		assertThatThrownBy(() -> TableDefinitions.parse(script).of(child)).isInstanceOf(RedoubtException.class)
			.hasMessageContaining("inherits its columns from a parent table");
	}

}
