/* Unit tests for useragent.c: the browser summaries the session list shows. */
#include "unit.h"

#include <string.h>

#include "useragent.h"

/* Fails the test unless the summary of ua is want. */
static void
summary_is(const char *ua, const char *want)
{
	char	 out[UA_SUMMARY_MAX];

	assert_string_equal(ua_summary(ua, out, sizeof(out)), want);
}

TEST(firefox_on_linux)
{
	summary_is("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
	    "Firefox/128.0", "Firefox on Linux");
}

TEST(firefox_on_windows)
{
	summary_is("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) "
	    "Gecko/20100101 Firefox/128.0", "Firefox on Windows");
}

TEST(chrome_on_android_not_linux)
{
	summary_is("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
	    "Chrome on Android");
}

TEST(chrome_on_macos_not_safari)
{
	summary_is("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
	    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
	    "Safari/537.36", "Chrome on macOS");
}

TEST(safari_on_iphone_not_macos)
{
	summary_is("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 "
	    "Safari/604.1", "Safari on iPhone");
}

TEST(safari_on_ipad)
{
	summary_is("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 "
	    "Safari/604.1", "Safari on iPad");
}

TEST(safari_on_macos)
{
	summary_is("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	    "Safari on macOS");
}

TEST(chrome_and_firefox_on_iphone)
{
	summary_is("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 "
	    "Mobile/15E148 Safari/604.1", "Chrome on iPhone");
	summary_is("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/127.0 Mobile/15E148 "
	    "Safari/605.1.15", "Firefox on iPhone");
}

TEST(edge_and_opera_are_not_chrome)
{
	summary_is("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
	    "Edge on Windows");
	summary_is("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0",
	    "Opera on Windows");
}

TEST(chrome_on_chromeos)
{
	summary_is("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	    "Chrome on ChromeOS");
}

TEST(command_line_tools_name_no_system)
{
	summary_is("curl/8.5.0", "curl");
	summary_is("Wget/1.21.3 (linux-gnu)", "Wget");
}

TEST(unknown_browser_on_a_known_system)
{
	summary_is("SomeBot/1.0 (Windows NT 10.0)", "Unknown browser on Windows");
}

TEST(unknown_empty_and_null)
{
	summary_is("tessera-e2e", "Unknown browser");
	summary_is("", "Unknown browser");
	summary_is(NULL, "Unknown browser");
}

TEST(summary_is_cut_to_the_buffer)
{
	char	 out[8];

	assert_string_equal(ua_summary("Mozilla/5.0 (X11; Linux) Firefox/1", out,
	    sizeof(out)), "Firefox");
	assert_string_equal(ua_summary("SamsungBrowser/25.0 Android", out,
	    sizeof(out)), "Samsung");
	assert_true(strlen(out) < sizeof(out));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(firefox_on_linux),
		cmocka_unit_test(firefox_on_windows),
		cmocka_unit_test(chrome_on_android_not_linux),
		cmocka_unit_test(chrome_on_macos_not_safari),
		cmocka_unit_test(safari_on_iphone_not_macos),
		cmocka_unit_test(safari_on_ipad),
		cmocka_unit_test(safari_on_macos),
		cmocka_unit_test(chrome_and_firefox_on_iphone),
		cmocka_unit_test(edge_and_opera_are_not_chrome),
		cmocka_unit_test(chrome_on_chromeos),
		cmocka_unit_test(command_line_tools_name_no_system),
		cmocka_unit_test(unknown_browser_on_a_known_system),
		cmocka_unit_test(unknown_empty_and_null),
		cmocka_unit_test(summary_is_cut_to_the_buffer),
	};

	return cmocka_run_group_tests_name("useragent", tests, NULL, NULL);
}
