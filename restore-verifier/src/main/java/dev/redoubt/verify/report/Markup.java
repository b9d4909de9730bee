package dev.redoubt.verify.report;

/** Escaping for the XML and HTML reports. */
final class Markup {

	private Markup() {
	}

	/**
	 * Text safe inside elements and quoted attributes; control characters XML 1.0 forbids
	 * even when escaped are dropped.
	 */
	static String escape(String text) {
		if (text == null) {
			return "";
		}
		StringBuilder out = new StringBuilder(text.length());
		for (char c : text.toCharArray()) {
			switch (c) {
				case '&' -> out.append("&amp;");
				case '<' -> out.append("&lt;");
				case '>' -> out.append("&gt;");
				case '"' -> out.append("&quot;");
				case '\'' -> out.append("&#39;");
				default -> {
					if (c >= 0x20 || c == '\n' || c == '\t') {
						out.append(c);
					}
				}
			}
		}
		return out.toString();
	}

}
