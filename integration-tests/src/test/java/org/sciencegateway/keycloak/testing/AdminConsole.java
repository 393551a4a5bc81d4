package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Keycloak's admin console (the distribution's React app) in headless Chromium, as a person uses it: waits that save
 * the page on a timeout, PatternFly form fields found by their label, saves that return the console's alert.
 * Screenshots and saved pages go to {@code target/screenshots/<folder>}.
 */
public final class AdminConsole implements AutoCloseable {

    private final HeadlessChromium chromium = new HeadlessChromium(true);
    private final String folder;

    public AdminConsole(String folder) {
        this.folder = folder.endsWith("/") ? folder : folder + "/";
    }

    public WebDriver driver() {
        return chromium.driver();
    }

    public Path screenshot(String name) {
        return chromium.screenshot(folder + name);
    }

    public void click(String what, By locator) {
        await(what, ExpectedConditions.elementToBeClickable(locator)).click();
    }

    /** Waits for {@code condition}; on timeout, saves the page and a screenshot for diagnosis. */
    public <T> T await(String what, Function<WebDriver, T> condition) {
        try {
            return chromium.await(condition);
        } catch (TimeoutException e) {
            savePage("timeout-" + what.replaceAll("[^A-Za-z0-9]+", "-"));
            throw new AssertionError("Waited in vain for " + what + " at " + driver().getCurrentUrl(), e);
        }
    }

    public void savePage(String name) {
        screenshot(name);
        try {
            Path html = Path.of("target", "screenshots").resolve(folder + name + ".html");
            Files.createDirectories(html.getParent());
            Files.writeString(html, driver().getPageSource());
        } catch (IOException io) {
            throw new UncheckedIOException(io);
        }
    }

    public String pageText() {
        return driver().findElement(By.tagName("body")).getText();
    }

    /** Closes the alerts of earlier steps, so that the next alert read is the answer to the next action. */
    public void dismissAlerts() {
        for (WebElement close : driver().findElements(By.cssSelector("[data-testid=global-alerts] [class*=alert__action] button"))) {
            close.click();
        }
        await("earlier alerts to close", d -> d.findElements(By.cssSelector("[data-testid=last-alert]")).isEmpty());
    }

    /** The console's next alert as "danger: text" or "success: text", after {@code action}. */
    public String alertAfter(Runnable action, String screenshot) {
        dismissAlerts();
        action.run();
        String[] alert = await("the console's alert", d -> {
            List<WebElement> found = d.findElements(By.cssSelector("[data-testid=last-alert]"));
            return found.isEmpty() || !found.get(0).isDisplayed() ? null
                    : new String[]{found.get(0).getAttribute("class"), normalize(found.get(0).getText())};
        });
        screenshot(screenshot);
        return (alert[0].contains("danger") ? "danger: " : alert[0].contains("success") ? "success: " : "other: ")
                + alert[1];
    }

    /** The form group whose label text is {@code label} (PatternFly's label-text span inside the group label). */
    public static By labelGroup(String label) {
        return By.xpath("//*[contains(@class,'form__group-label')][not(ancestor::*[contains(@class,'form__group-label')])]"
                + "[.//*[contains(@class,'form__label-text')][normalize-space()=" + xpathLiteral(label) + "]]");
    }

    public WebElement field(String label) {
        WebElement group = await("the field " + label, ExpectedConditions.presenceOfElementLocated(labelGroup(label)));
        String fieldId = group.findElement(By.tagName("label")).getAttribute("for");
        return fieldId == null || fieldId.isEmpty()
                ? group.findElement(By.xpath("./following-sibling::*[1]//*[self::input or self::textarea]"))
                : driver().findElement(By.id(fieldId));
    }

    public void fill(String label, String value) {
        WebElement field = field(label);
        field.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        field.sendKeys(value);
    }

    public static String normalize(String text) {
        return text.replaceAll("\\s+", " ").trim();
    }

    public static String xpathLiteral(String text) {
        if (!text.contains("'")) {
            return "'" + text + "'";
        }
        return "concat('" + text.replace("'", "', \"'\", '") + "')";
    }

    @Override
    public void close() {
        chromium.close();
    }
}
