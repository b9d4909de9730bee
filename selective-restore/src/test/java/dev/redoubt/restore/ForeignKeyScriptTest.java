package dev.redoubt.restore;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ForeignKeyScriptTest {

	@Test
	void readsEveryForeignKeyWithQuotedAndPlainNames() {
		String script = """
				SET statement_timeout = 0;
				SELECT pg_catalog.set_config('search_path', '', false);

				--
				-- Name: order_lines order_lines_order_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: postgres
				--

				ALTER TABLE ONLY public.order_lines
				    ADD CONSTRAINT order_lines_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(id);


				--
				-- Name: Tàble "x" fk; Type: FK CONSTRAINT; Schema: Ünï; Owner: postgres
				--

				ALTER TABLE ONLY "Ünï"."Tàble ""x"" y"
				    ADD CONSTRAINT "fk; odd" FOREIGN KEY ("a b") REFERENCES "Ünï".parent(id) ON DELETE CASCADE;
				""";

		List<ForeignKeyDefinition> keys = ForeignKeyScript.parse(script);

		assertThat(keys).extracting(ForeignKeyDefinition::qualifiedName)
			.containsExactly("public.order_lines.order_lines_order_id_fkey",
					"\"Ünï\".\"Tàble \"\"x\"\" y\".\"fk; odd\"");
		assertThat(keys.get(1).sql()).startsWith("ALTER TABLE ONLY \"Ünï\"").endsWith("ON DELETE CASCADE;");
	}

}
