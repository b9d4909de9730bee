package dev.redoubt.service.dashboard;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

import org.springframework.web.util.HtmlUtils;

/**
 * A measure across drills, oldest first, drawn on the server as an SVG line chart with
 * its target as a dashed line: each point red when it missed the target. No script, so it
 * reads in any browser and in a screenshot.
 */
public final class TrendChart {

	/** One drill's measure; {@code seconds} {@code null} when it was not measured. */
	public record Point(Instant at, Double seconds, Double targetSeconds) {
	}

	private static final int WIDTH = 460;

	private static final int HEIGHT = 160;

	private static final int LEFT = 48;

	private static final int RIGHT = 12;

	private static final int TOP = 14;

	private static final int BOTTOM = 26;

	private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("MM-dd HH:mm", Locale.ROOT)
		.withZone(ZoneOffset.UTC);

	private TrendChart() {
	}

	/** The chart as an {@code <svg>} element; a note when no drill measured it. */
	public static String svg(String title, List<Point> points) {
		List<Point> measured = points.stream().filter((p) -> p.seconds() != null && !p.seconds().isNaN()).toList();
		StringBuilder svg = new StringBuilder();
		svg.append("<svg class=\"chart\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
			.append(WIDTH)
			.append("\" height=\"")
			.append(HEIGHT)
			.append("\" viewBox=\"0 0 ")
			.append(WIDTH)
			.append(' ')
			.append(HEIGHT)
			.append("\"><title>")
			.append(HtmlUtils.htmlEscape(title))
			.append("</title>");
		if (measured.isEmpty()) {
			svg.append("<text x=\"")
				.append(LEFT)
				.append("\" y=\"")
				.append(HEIGHT / 2)
				.append("\">no drill measured ")
				.append(HtmlUtils.htmlEscape(title))
				.append(" yet</text></svg>");
			return svg.toString();
		}
		double max = 0;
		for (Point point : measured) {
			max = Math.max(max, point.seconds());
			if (point.targetSeconds() != null) {
				max = Math.max(max, point.targetSeconds());
			}
		}
		max = (max <= 0) ? 1 : max * 1.1;
		int plotWidth = WIDTH - LEFT - RIGHT;
		int plotHeight = HEIGHT - TOP - BOTTOM;
		// axes and the scale's top
		svg.append(line(LEFT, TOP, LEFT, TOP + plotHeight, "axis"))
			.append(line(LEFT, TOP + plotHeight, LEFT + plotWidth, TOP + plotHeight, "axis"))
			.append(text(4, TOP + 10, Ages.duration(max), "label"))
			.append(text(4, TOP + plotHeight, "0", "label"));
		Double target = measured.get(measured.size() - 1).targetSeconds();
		if (target != null) {
			double y = TOP + plotHeight - target / max * plotHeight;
			svg.append(line(LEFT, y, LEFT + plotWidth, y, "target"))
				.append(text(LEFT + plotWidth - 110, y - 4, "target " + Ages.duration(target), "label"));
		}
		StringBuilder path = new StringBuilder();
		StringBuilder dots = new StringBuilder();
		for (int i = 0; i < measured.size(); i++) {
			Point point = measured.get(i);
			double x = LEFT
					+ ((measured.size() == 1) ? plotWidth / 2.0 : i * (double) plotWidth / (measured.size() - 1));
			double y = TOP + plotHeight - point.seconds() / max * plotHeight;
			path.append((i == 0) ? "M" : " L").append(format(x)).append(',').append(format(y));
			boolean missed = point.targetSeconds() != null && point.seconds() > point.targetSeconds();
			dots.append("<circle class=\"")
				.append(missed ? "missed" : "met")
				.append("\" cx=\"")
				.append(format(x))
				.append("\" cy=\"")
				.append(format(y))
				.append("\" r=\"4\"><title>")
				.append(DAY.format(point.at()))
				.append(": ")
				.append(Ages.duration(point.seconds()))
				.append("</title></circle>");
		}
		svg.append("<path class=\"trend\" d=\"").append(path).append("\"/>").append(dots);
		svg.append(text(LEFT, HEIGHT - 8, DAY.format(measured.get(0).at()), "label"));
		if (measured.size() > 1) {
			svg.append(text(LEFT + plotWidth - 70, HEIGHT - 8, DAY.format(measured.get(measured.size() - 1).at()),
					"label"));
		}
		return svg.append("</svg>").toString();
	}

	private static String line(double x1, double y1, double x2, double y2, String css) {
		return "<line class=\"" + css + "\" x1=\"" + format(x1) + "\" y1=\"" + format(y1) + "\" x2=\"" + format(x2)
				+ "\" y2=\"" + format(y2) + "\"/>";
	}

	private static String text(double x, double y, String text, String css) {
		return "<text class=\"" + css + "\" x=\"" + format(x) + "\" y=\"" + format(y) + "\">"
				+ HtmlUtils.htmlEscape(text) + "</text>";
	}

	private static String format(double value) {
		return String.format(Locale.ROOT, "%.1f", value);
	}

}
