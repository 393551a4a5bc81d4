package org.sciencegateway.keycloak.samlfederation.trust;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Bounds every single piece of markup — a tag with its attributes, a comment, a CDATA section, a processing
 * instruction — to a byte length, while the bytes stream to the XML parser. A parser holds such a piece in memory whole
 * (text between tags it hands over in chunks), so without this bound one attribute value as large as the document
 * would sit in the heap before anything could refuse it.
 * <p>
 * Works on the bytes of any ASCII-compatible encoding ({@code <}, {@code >} and quotes are single bytes that never
 * occur inside a multi-byte UTF-8 sequence); {@link AggregateStructure} refuses every other encoding.
 */
final class MarkupLengthLimit extends FilterInputStream {

    /**
     * A markup declaration ({@code <!DOCTYPE}, {@code <!ENTITY}, {@code <![INCLUDE[}…): refused at its first bytes, since
     * a parser reads a whole internal subset before it reports the declaration.
     */
    static final class DeclarationRefused extends IOException {
        DeclarationRefused() {
            super("the document has a markup declaration (DOCTYPE), which federation metadata never needs");
        }
    }

    /** Thrown through the XML parser, recognised by {@link SignedAggregateReader}. */
    static final class MarkupTooLong extends IOException {
        MarkupTooLong(long limit) {
            super("a single tag, comment, CDATA section or processing instruction is longer than " + limit
                    + " bytes; federation metadata never needs that");
        }
    }

    private enum State { TEXT, OPENING, TAG, QUOTED, COMMENT, CDATA, INSTRUCTION }

    private static final byte[] COMMENT_OPEN = "<!--".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] CDATA_OPEN = "<![CDATA[".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final long limit;
    private State state = State.TEXT;
    private long length;
    private int opened;     // bytes of the opening seen so far (to tell a tag from a comment or CDATA)
    private byte quote;
    private int tail;       // the last bytes, for the closing sequences "-->", "]]>", "?>"
    private IOException refusal;

    MarkupLengthLimit(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int value = super.read();
        if (value >= 0) {
            scan((byte) value);
        }
        return value;
    }

    @Override
    public int read(byte[] buffer, int offset, int count) throws IOException {
        int read = super.read(buffer, offset, count);
        for (int i = 0; i < read; i++) {
            scan(buffer[offset + i]);
        }
        return read;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skipping is not supported while markup is measured");
    }

    /** What this stream refused, if anything: the parser may wrap the exception without its cause. */
    IOException refusal() {
        return refusal;
    }

    private void scan(byte b) throws IOException {
        try {
            measure(b);
        } catch (IOException e) {
            refusal = e;
            throw e;
        }
    }

    private void measure(byte b) throws IOException {
        tail = (tail << 8) | (b & 0xff);
        switch (state) {
            case TEXT -> {
                if (b == '<') {
                    state = State.OPENING;
                    length = 1;
                    opened = 1;
                }
                return;
            }
            case OPENING -> opening(b);
            case TAG -> tag(b);
            case QUOTED -> {
                if (b == quote) {
                    state = State.TAG;
                }
            }
            case COMMENT -> closeOn(0x2d2d3e, 3); // "-->"
            case CDATA -> closeOn(0x5d5d3e, 3);   // "]]>"
            case INSTRUCTION -> closeOn(0x3f3e, 2); // "?>"
        }
        if (state != State.TEXT && ++length > limit) {
            throw new MarkupTooLong(limit);
        }
    }

    private void opening(byte b) throws DeclarationRefused {
        if (opened == 1 && b == '?') {
            state = State.INSTRUCTION;
            return;
        }
        boolean comment = opened < COMMENT_OPEN.length && COMMENT_OPEN[opened] == b;
        boolean cdata = opened < CDATA_OPEN.length && CDATA_OPEN[opened] == b;
        if (opened >= 2 && !comment && !cdata) {
            throw new DeclarationRefused(); // "<!" that opens neither a comment nor a CDATA section
        }
        if (comment || cdata) {
            opened++;
            if (comment && opened == COMMENT_OPEN.length) {
                state = State.COMMENT;
                tail = 0;
            } else if (cdata && opened == CDATA_OPEN.length) {
                state = State.CDATA;
                tail = 0;
            }
            return;
        }
        state = State.TAG;
        tag(b);
    }

    private void tag(byte b) {
        if (b == '"' || b == '\'') {
            quote = b;
            state = State.QUOTED;
        } else if (b == '>') {
            state = State.TEXT;
        }
    }

    private void closeOn(int sequence, int bytes) {
        int mask = bytes == 3 ? 0xffffff : 0xffff;
        if ((tail & mask) == sequence) {
            state = State.TEXT;
        }
    }
}
