package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The fenced code blocks of one section of the repository's README.md, read at test time: the README is what is tested. */
public final class ReadmeBlocks {

    private static final Pattern FENCE = Pattern.compile("(?m)^```(\\w*)\\n(.*?)^```", Pattern.DOTALL);

    public record Block(String language, String text) {
    }

    private final String section;
    private final List<Block> blocks = new ArrayList<>();

    private ReadmeBlocks(String section, String markdown) {
        this.section = section;
        Matcher fence = FENCE.matcher(markdown);
        while (fence.find()) {
            blocks.add(new Block(fence.group(1), fence.group(2)));
        }
    }

    /** The blocks of the README section whose heading is {@code heading} (up to the next heading of level 2). */
    public static ReadmeBlocks section(String heading) {
        Path readme = Path.of(System.getProperty("repository.root", "..")).resolve("README.md");
        try {
            String markdown = Files.readString(readme);
            int start = markdown.indexOf("\n" + heading + "\n");
            if (start < 0) {
                throw new AssertionError("README.md has no section '" + heading + "'");
            }
            int end = markdown.indexOf("\n## ", start + heading.length() + 1);
            return new ReadmeBlocks(heading, markdown.substring(start, end < 0 ? markdown.length() : end));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The one block of {@code language} containing {@code marker}; fails naming the section if there is not exactly one. */
    public String block(String language, String marker) {
        List<Block> matching = blocks.stream()
                .filter(b -> b.language().equals(language) && b.text().contains(marker)).toList();
        if (matching.size() != 1) {
            throw new AssertionError("README section '" + section + "' must have exactly one " + language
                    + " block containing '" + marker + "', found " + matching.size());
        }
        return matching.get(0).text();
    }
}
