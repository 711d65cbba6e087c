/* Unit tests for qr.c: the path draws only squares inside the image, and a URI too long for any QR code fails. */
#include "unit.h"

#include <stdio.h>

#include "qr.h"

#define URI "otpauth://totp/tessera:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=tessera"

TEST(an_otpauth_uri_becomes_squares_inside_the_quiet_zone)
{
	struct buf	 path;
	int		 size = 0, x, y, n = 0;
	const char	*p;

	buf_init(&path, 1 << 20);
	assert_int_equal(qr_svg_path(URI, &path, &size), 0);
	assert_true(size >= 21 + 2 * QR_QUIET && size <= 177 + 2 * QR_QUIET);
	for (p = buf_str(&path); *p != '\0'; n++) {
		assert_int_equal(sscanf(p, "M%d %dh1v1h-1z", &x, &y), 2);
		assert_true(x >= QR_QUIET && x < size - QR_QUIET);
		assert_true(y >= QR_QUIET && y < size - QR_QUIET);
		p = strchr(p, 'z') + 1;
	}
	assert_true(n > 100);
	assert_int_equal(strspn(buf_str(&path), "Mhvz-0123456789 "), path.len);
	buf_free(&path);
}

TEST(the_finder_pattern_is_in_the_top_left_corner)
{
	struct buf	 path;
	int		 size = 0;
	char		 corner[32];

	buf_init(&path, 1 << 20);
	assert_int_equal(qr_svg_path(URI, &path, &size), 0);
	snprintf(corner, sizeof(corner), "M%d %dh1v1h-1z", QR_QUIET, QR_QUIET);
	assert_non_null(strstr(buf_str(&path), corner));
	buf_free(&path);
}

TEST(text_no_qr_code_holds_fails)
{
	struct buf	 path;
	char		*big = malloc(8000);
	int		 size = 0;

	assert_non_null(big);
	memset(big, 'a', 7999);
	big[7999] = '\0';
	buf_init(&path, 1 << 20);
	assert_int_equal(qr_svg_path(big, &path, &size), -1);
	buf_free(&path);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_otpauth_uri_becomes_squares_inside_the_quiet_zone),
		cmocka_unit_test(the_finder_pattern_is_in_the_top_left_corner),
		cmocka_unit_test(text_no_qr_code_holds_fails),
	};

	return cmocka_run_group_tests_name("qr", tests, NULL, NULL);
}
