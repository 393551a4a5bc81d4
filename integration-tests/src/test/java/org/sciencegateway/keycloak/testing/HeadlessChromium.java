package org.sciencegateway.keycloak.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium (Debian {@code chromium} + {@code chromium-driver}) with a fresh profile, driven through
 * Selenium. Nothing is downloaded: the browser and the driver are the system's.
 */
public final class HeadlessChromium implements AutoCloseable {

    public static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
    public static final Path CHROMEDRIVER = Path.of(System.getProperty("chromedriver.binary", "/usr/bin/chromedriver"));
    public static final Dimension DESKTOP = new Dimension(1280, 900);
    public static final Dimension MOBILE = new Dimension(390, 844);

    private final Path profile;
    private final ChromeDriverService service;
    private final ChromeDriver driver;

    public HeadlessChromium(boolean javascript) {
        try {
            profile = Files.createTempDirectory("it-chromium");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=" + DESKTOP.width + "," + DESKTOP.height, "--lang=en-US");
        options.setExperimentalOption("prefs", Map.of(
                "intl.accept_languages", "en-US,en",
                "profile.managed_default_content_settings.javascript", javascript ? 1 : 2));
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    public WebDriver driver() {
        return driver;
    }

    public <T> T await(Function<WebDriver, T> condition) {
        // The picker replaces its result list as the user types: an element read a moment ago may be gone.
        return new WebDriverWait(driver, Duration.ofSeconds(20)).ignoring(StaleElementReferenceException.class)
                .until(condition);
    }

    public Object script(String script, Object... arguments) {
        return ((JavascriptExecutor) driver).executeScript(script, arguments);
    }

    public void size(Dimension dimension) {
        driver.manage().window().setSize(dimension);
    }

    /** Writes a full-window screenshot to {@code target/screenshots/<name>.png}; the name may contain a folder. */
    public Path screenshot(String name) {
        try {
            Path file = Path.of("target", "screenshots").resolve(name + ".png");
            Files.createDirectories(file.getParent());
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes every cookie of the browser except those whose name starts with {@code keepPrefix}. */
    @SuppressWarnings("unchecked")
    public void deleteCookiesExcept(String keepPrefix) {
        Map<String, Object> all = driver.executeCdpCommand("Network.getAllCookies", Map.of());
        for (Map<String, Object> cookie : (List<Map<String, Object>>) all.get("cookies")) {
            String name = (String) cookie.get("name");
            if (!name.startsWith(keepPrefix)) {
                driver.executeCdpCommand("Network.deleteCookies", Map.of("name", name,
                        "domain", cookie.get("domain"), "path", cookie.get("path")));
            }
        }
    }

    @SuppressWarnings("unchecked")
    public List<String> cookieNames() {
        Map<String, Object> all = driver.executeCdpCommand("Network.getAllCookies", Map.of());
        return ((List<Map<String, Object>>) all.get("cookies")).stream().map(c -> (String) c.get("name")).toList();
    }

    /**
     * Runs axe-core (vendored in the test resources) on the current page and returns the violations of impact
     * serious or critical, as "rule: description (targets)".
     */
    @SuppressWarnings("unchecked")
    public List<String> seriousAccessibilityViolations() {
        String axe;
        try (InputStream in = HeadlessChromium.class.getResourceAsStream("/axe-core/axe.min.js")) {
            axe = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        script(axe);
        Object result = ((JavascriptExecutor) driver).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
                  .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                      .map(v => v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).join(', ') + ')')))
                  .catch(e => done(['axe failed: ' + e]));""");
        return (List<String>) result;
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            try (Stream<Path> paths = Files.walk(profile)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // A leftover temporary profile is harmless.
            }
        }
    }
}
