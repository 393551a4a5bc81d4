package org.sciencegateway.keycloak.samlfederation.metadata;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** The {@code xs:dateTime} values of SAML metadata ({@code validUntil}); without a zone they are UTC. */
public final class MetadataTime {

    private MetadataTime() {
    }

    /** @throws IllegalArgumentException when the text is no {@code xs:dateTime} */
    public static Instant parse(String dateTime) {
        String text = dateTime.trim();
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException withoutZone) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("not an xs:dateTime: " + EntityReader.printable(text), e);
            }
        }
    }
}
