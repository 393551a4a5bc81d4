import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Turns the Failsafe reports that tools/compatibility.sh saved per Keycloak release into one Markdown table.
 * Run as a single-file program (JDK only): {@code java tools/CompatibilityReport.java <dir> <version>...}, where
 * {@code <dir>/<version>/failsafe-reports/TEST-*.xml} are the reports of that release's run.
 */
public final class CompatibilityReport {

    private CompatibilityReport() {
    }

    /** A failed or erroneous test and the first line of its message. */
    record Failure(String test, String message) {
    }

    /** One test class's outcome on one release. */
    record ClassResult(int tests, List<Failure> failed, int skipped) {
        int passed() {
            return tests - failed.size() - skipped;
        }

        boolean setupFailed() {
            return failed.stream().anyMatch(f -> f.test().equals("(class setup)"));
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: java tools/CompatibilityReport.java <results-dir> <version>...");
            System.exit(2);
        }
        Path results = Path.of(args[0]);
        List<String> versions = List.of(args).subList(1, args.length);
        Map<String, Map<String, ClassResult>> byVersion = new LinkedHashMap<>();
        TreeSet<String> classes = new TreeSet<>();
        for (String version : versions) {
            Map<String, ClassResult> run = read(results.resolve(version).resolve("failsafe-reports"));
            byVersion.put(version, run);
            classes.addAll(run.keySet());
        }
        System.out.print(markdown(results, versions, classes, byVersion));
    }

    private static Map<String, ClassResult> read(Path reports) throws Exception {
        Map<String, ClassResult> run = new TreeMap<>();
        if (!Files.isDirectory(reports)) {
            return run;
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(reports)) {
            files = list.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).sorted().toList();
        }
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        for (Path file : files) {
            Document document = factory.newDocumentBuilder().parse(file.toFile());
            Element suite = document.getDocumentElement();
            // Counted per test case: Failsafe's suite totals leave out the tests of @Nested classes.
            List<Failure> failed = new ArrayList<>();
            int tests = 0;
            int skipped = 0;
            NodeList cases = suite.getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element testCase = (Element) cases.item(i);
                tests++;
                Element problem = first(testCase, "failure");
                if (problem == null) {
                    problem = first(testCase, "error");
                }
                if (problem != null) {
                    String name = testCase.getAttribute("name");
                    failed.add(new Failure(name.isBlank() ? "(class setup)" : name, firstLine(problem)));
                } else if (first(testCase, "skipped") != null) {
                    skipped++;
                }
            }
            run.put(simpleName(suite.getAttribute("name")), new ClassResult(tests, failed, skipped));
        }
        return run;
    }

    private static String markdown(Path results, List<String> versions, TreeSet<String> classes,
            Map<String, Map<String, ClassResult>> byVersion) throws IOException {
        StringBuilder out = new StringBuilder();
        out.append("# Integration suite per Keycloak release\n\n");
        out.append("Cells: passed/run tests of the class; skipped tests are opt-in (e.g. the benchmark).\n\n");
        out.append("| Test class |");
        versions.forEach(v -> out.append(' ').append(v).append(" |"));
        out.append("\n|---|");
        versions.forEach(v -> out.append("---|"));
        out.append('\n');
        for (String testClass : classes) {
            out.append("| `").append(testClass).append("` |");
            for (String version : versions) {
                ClassResult result = byVersion.get(version).get(testClass);
                out.append(' ').append(cell(result)).append(" |");
            }
            out.append('\n');
        }
        out.append("| **total** |");
        for (String version : versions) {
            int tests = 0;
            int passed = 0;
            int failed = 0;
            int skipped = 0;
            for (ClassResult r : byVersion.get(version).values()) {
                tests += r.tests();
                passed += r.passed();
                failed += r.failed().size();
                skipped += r.skipped();
            }
            out.append(byVersion.get(version).isEmpty()
                    ? " no reports (see build.log) |"
                    : " %d run, %d passed, %d failed, %d skipped |".formatted(tests, passed, failed, skipped));
        }
        out.append("\n");
        for (String version : versions) {
            out.append("\n## Keycloak ").append(version).append("\n\n");
            Path marker = results.resolve(version).resolve("build-status");
            if (Files.isRegularFile(marker)) {
                out.append("Build: ").append(Files.readString(marker).trim()).append("\n\n");
            }
            boolean any = false;
            for (Map.Entry<String, ClassResult> entry : byVersion.get(version).entrySet()) {
                for (Failure failure : entry.getValue().failed()) {
                    out.append("- `").append(entry.getKey()).append('.').append(failure.test()).append("`: ")
                            .append(failure.message()).append('\n');
                    any = true;
                }
            }
            if (!any) {
                out.append(byVersion.get(version).isEmpty() ? "No test reports.\n" : "Every test passed.\n");
            }
        }
        return out.toString();
    }

    private static String cell(ClassResult result) {
        if (result == null) {
            return "not run";
        }
        int run = result.tests() - result.skipped();
        if (run == 0) {
            return "skipped";
        }
        if (result.setupFailed()) {
            return "**fails** (class setup)";
        }
        String counts = result.passed() + "/" + run;
        return result.failed().isEmpty() ? "passes " + counts : "**fails** " + counts;
    }

    private static Element first(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? null : (Element) nodes.item(0);
    }

    /** The failure's message (or its type), cut to one table-friendly line. */
    private static String firstLine(Element problem) {
        String message = problem.getAttribute("message");
        if (message.isBlank()) {
            message = problem.getAttribute("type");
        }
        String line = message.strip().lines().findFirst().orElse("").replace('|', '/');
        return line.length() > 160 ? line.substring(0, 157) + "..." : line;
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
