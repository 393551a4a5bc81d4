package org.sciencegateway.keycloak.samlfederation.trust;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Refuses to read past a byte limit, so an oversized document fails while it streams, not after it was stored. */
final class BoundedInputStream extends FilterInputStream {

    /** Thrown through the XML parser, recognised by {@link SignedAggregateReader}. */
    static final class LimitExceeded extends IOException {
        LimitExceeded(long limit) {
            super("the document is larger than " + limit + " bytes");
        }
    }

    private final long limit;
    private long count;

    BoundedInputStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int value = super.read();
        if (value >= 0) {
            count(1);
        }
        return value;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int read = super.read(buffer, offset, length);
        if (read > 0) {
            count(read);
        }
        return read;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        count(skipped);
        return skipped;
    }

    boolean exceeded() {
        return count > limit;
    }

    long count() {
        return count;
    }

    private void count(long read) throws LimitExceeded {
        count += read;
        if (count > limit) {
            throw new LimitExceeded(limit);
        }
    }
}
