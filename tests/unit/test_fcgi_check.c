/* Unit tests for fcgi_check.c: which record sequences are admitted before libfcgi reads them. */
#include "unit.h"

#include "fcgi_check.h"

#define MAX_BODY	1024

/* A request being built: bytes as a web server would send them. */
struct req {
	unsigned char	 b[4 * 65536];
	size_t		 len;
};

/* Appends one record (version 1 unless version says otherwise) with content and padding. */
static void
rec(struct req *r, int version, int type, int id, const void *content,
    size_t len, int padding)
{
	unsigned char	 h[8] = { (unsigned char)version, (unsigned char)type,
	    (unsigned char)(id >> 8), (unsigned char)id, (unsigned char)(len >> 8),
	    (unsigned char)len, (unsigned char)padding, 0 };

	memcpy(r->b + r->len, h, sizeof(h));
	memcpy(r->b + r->len + 8, content, len);
	memset(r->b + r->len + 8 + len, 0, (size_t)padding);
	r->len += 8 + len + (size_t)padding;
}

/* Appends FCGI_BEGIN_REQUEST for role, request id 1. */
static void
begin(struct req *r, int role)
{
	unsigned char	 body[8] = { (unsigned char)(role >> 8), (unsigned char)role };

	rec(r, 1, 1, 1, body, sizeof(body), 0);
}

/* Returns fcgi_check_records on r, with why. */
static int
check(const struct req *r, const char **why)
{
	struct fcgi_check *c = fcgi_check_new(MAX_BODY);
	int		 rc;

	assert_non_null(c);
	*why = NULL;
	rc = fcgi_check_records(c, r->b, r->len, why);
	fcgi_check_free(c);
	return rc;
}

/* Returns fcgi_check_ended after fcgi_check_records on r gave want. */
static int
ended(const struct req *r, int want)
{
	struct fcgi_check *c = fcgi_check_new(MAX_BODY);
	const char	*why = NULL;
	int		 rc;

	assert_non_null(c);
	assert_int_equal(fcgi_check_records(c, r->b, r->len, &why), want);
	rc = fcgi_check_ended(c);
	fcgi_check_free(c);
	return rc;
}

/* Builds BEGIN, one PARAMS record of pairs, the empty PARAMS record; then the given STDIN. */
static void
request(struct req *r, const void *pairs, size_t plen, const void *body,
    size_t blen)
{
	r->len = 0;
	begin(r, 1);
	rec(r, 1, 4, 1, pairs, plen, 3);
	rec(r, 1, 4, 1, "", 0, 0);
	if (blen > 0)
		rec(r, 1, 5, 1, body, blen, 0);
	rec(r, 1, 5, 1, "", 0, 0);
}

static const unsigned char PAIRS[] = "\016\003REQUEST_METHODGET\013\005REQUEST_URI/ping";

TEST(whole_request_is_admitted)
{
	struct req	 r;
	const char	*why;

	request(&r, PAIRS, sizeof(PAIRS) - 1, "a=b", 3);
	assert_int_equal(check(&r, &why), 1);
}

TEST(every_prefix_of_a_whole_request_waits_for_more)
{
	struct req	 r;
	const char	*why;
	size_t		 full;

	request(&r, PAIRS, sizeof(PAIRS) - 1, "a=b", 3);
	full = r.len;
	for (r.len = 0; r.len < full; r.len++)
		assert_int_equal(check(&r, &why), 0);
}

TEST(pair_longer_than_the_parameters_is_refused)
{
	static const unsigned char huge[][11] = {
		{ 0xff, 0xff, 0xff, 0xfe, 0x80, 0, 0, 0x10, 'a', 'b', 'c' },
		{ 0xff, 0xff, 0xff, 0xf0, 0xff, 0xff, 0xff, 0xf0, 'a', 'b', 'c' },
		{ 0x80, 0, 0, 0x04, 0x80, 0, 0, 0x04, 'a', 'b', 'c' },	/* 8 bytes claimed, 3 sent */
	};
	struct req	 r;
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		request(&r, huge[i], sizeof(huge[i]), NULL, 0);
		assert_int_equal(check(&r, &why), -1);
		assert_string_equal(why, "name-value pair longer than the parameters sent");
	}
}

TEST(pair_may_span_params_records)
{
	struct req	 r = { .len = 0 };
	const char	*why;

	begin(&r, 1);
	rec(&r, 1, 4, 1, PAIRS, 10, 0);
	rec(&r, 1, 4, 1, PAIRS + 10, sizeof(PAIRS) - 1 - 10, 0);
	rec(&r, 1, 4, 1, "", 0, 0);
	rec(&r, 1, 5, 1, "", 0, 0);
	assert_int_equal(check(&r, &why), 1);
}

TEST(length_cut_short_is_refused)
{
	struct req	 r;
	const char	*why;

	request(&r, "\x80\x00", 2, NULL, 0);
	assert_int_equal(check(&r, &why), -1);
	assert_string_equal(why, "name-value length cut short");
}

TEST(management_record_is_refused_however_long)
{
	static const unsigned char get_values[] = { 0xff, 0xff, 0xff, 0xf0,
	    0xff, 0xff, 0xff, 0xf0, 'a' };
	struct req	 r = { .len = 0 };
	const char	*why;

	rec(&r, 1, 9, 0, get_values, sizeof(get_values), 0);
	assert_int_equal(check(&r, &why), -1);
	assert_string_equal(why, "management record");
	r.len = 8;	/* the header alone is enough to refuse */
	assert_int_equal(check(&r, &why), -1);
}

TEST(records_out_of_sequence_are_refused)
{
	struct req	 r = { .len = 0 };
	const char	*why;

	rec(&r, 1, 5, 1, "x", 1, 0);		/* STDIN first */
	assert_int_equal(check(&r, &why), -1);
	assert_string_equal(why, "record of an unexpected type");
	r.len = 0;
	begin(&r, 1);
	rec(&r, 1, 4, 2, "", 0, 0);		/* PARAMS for request 2 */
	assert_int_equal(check(&r, &why), -1);
	assert_string_equal(why, "record for another request");
	r.len = 0;
	begin(&r, 1);
	begin(&r, 1);				/* a second BEGIN_REQUEST */
	assert_int_equal(check(&r, &why), -1);
}

TEST(bad_version_role_or_begin_length_is_refused)
{
	unsigned char	 body[9] = { 0, 1 };
	struct req	 r = { .len = 0 };
	const char	*why;

	rec(&r, 2, 1, 1, body, 8, 0);
	assert_int_equal(check(&r, &why), -1);
	assert_string_equal(why, "not FastCGI version 1");
	r.len = 0;
	rec(&r, 1, 1, 1, body, 9, 0);
	assert_int_equal(check(&r, &why), -1);
	assert_string_equal(why, "malformed FCGI_BEGIN_REQUEST");
	r.len = 0;
	begin(&r, 4);
	assert_int_equal(check(&r, &why), -1);
	assert_string_equal(why, "unknown FastCGI role");
	r.len = 0;
	begin(&r, 0);
	assert_int_equal(check(&r, &why), -1);
}

TEST(parameters_past_the_limit_are_refused)
{
	static unsigned char big[65535];
	struct req	 r = { .len = 0 };
	const char	*why;

	begin(&r, 1);
	rec(&r, 1, 4, 1, big, sizeof(big), 0);
	rec(&r, 1, 4, 1, big, 1, 0);
	assert_int_equal(check(&r, &why), -1);
	assert_string_equal(why, "parameters too large");
}

TEST(body_is_needed_only_up_to_max_body)
{
	static unsigned char body[MAX_BODY];
	struct req	 r = { .len = 0 };
	const char	*why;

	begin(&r, 1);
	rec(&r, 1, 4, 1, PAIRS, sizeof(PAIRS) - 1, 0);
	rec(&r, 1, 4, 1, "", 0, 0);
	rec(&r, 1, 5, 1, body, MAX_BODY - 1, 0);
	assert_int_equal(check(&r, &why), 0);	/* no empty STDIN yet */
	rec(&r, 1, 5, 1, body, 1, 0);
	assert_int_equal(check(&r, &why), 1);	/* the worker reads no more */
}

TEST(authorizer_request_is_whole_at_its_empty_params)
{
	struct req	 r;
	const char	*why;

	r.len = 0;
	begin(&r, 2);		/* FCGI_AUTHORIZER: mod_authnz_fcgi sends no STDIN */
	rec(&r, 1, 4, 1, PAIRS, sizeof(PAIRS) - 1, 0);
	assert_int_equal(check(&r, &why), 0);
	rec(&r, 1, 4, 1, "", 0, 0);
	assert_int_equal(check(&r, &why), 1);
	r.len = 0;
	begin(&r, 1);		/* a responder still waits for its STDIN */
	rec(&r, 1, 4, 1, PAIRS, sizeof(PAIRS) - 1, 0);
	rec(&r, 1, 4, 1, "", 0, 0);
	assert_int_equal(check(&r, &why), 0);
}

TEST(only_a_request_sent_with_its_last_record_has_ended)
{
	static unsigned char body[MAX_BODY];
	struct req	 r;

	request(&r, PAIRS, sizeof(PAIRS) - 1, "a=b", 3);
	assert_true(ended(&r, 1));		/* GET or POST up to its empty STDIN */
	r.len--;
	assert_false(ended(&r, 0));		/* its last byte still to come */
	request(&r, PAIRS, sizeof(PAIRS) - 1, body, MAX_BODY);
	r.len -= 8;				/* admitted at max_body, more may follow */
	assert_false(ended(&r, 1));
	r.len = 0;
	begin(&r, 2);				/* an AUTHORIZER ends with its PARAMS */
	rec(&r, 1, 4, 1, PAIRS, sizeof(PAIRS) - 1, 0);
	rec(&r, 1, 4, 1, "", 0, 0);
	assert_true(ended(&r, 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_request_is_admitted),
		cmocka_unit_test(every_prefix_of_a_whole_request_waits_for_more),
		cmocka_unit_test(pair_longer_than_the_parameters_is_refused),
		cmocka_unit_test(pair_may_span_params_records),
		cmocka_unit_test(length_cut_short_is_refused),
		cmocka_unit_test(management_record_is_refused_however_long),
		cmocka_unit_test(records_out_of_sequence_are_refused),
		cmocka_unit_test(bad_version_role_or_begin_length_is_refused),
		cmocka_unit_test(parameters_past_the_limit_are_refused),
		cmocka_unit_test(body_is_needed_only_up_to_max_body),
		cmocka_unit_test(authorizer_request_is_whole_at_its_empty_params),
		cmocka_unit_test(only_a_request_sent_with_its_last_record_has_ended),
	};

	return cmocka_run_group_tests_name("fcgi_check", tests, NULL, NULL);
}
