/* The page handlers and the plumbing they share (rendering, error pages). */
#ifndef TESSERA_PAGE_H
#define TESSERA_PAGE_H

#include "app.h"
#include "view.h"

#define PAGE_NEXT_MAX		512	/* bytes of a next path (page_login_next) */
#define PAGE_NEXT_URL_MAX	(64 + 3 * PAGE_NEXT_MAX)	/* a page's path and ?next=, encoded */

void	page_login_form(struct ctx *);
void	page_login(struct ctx *);
const char *page_login_next(const char *next);
const char *page_next_url(char url[PAGE_NEXT_URL_MAX], const char *path,
	    const char *next);
void	page_login_render(struct ctx *, const char *tpl, const char *title,
	    int status, const char *message, const char *username,
	    const char *next);
void	page_login_code_form(struct ctx *);
void	page_login_code(struct ctx *);
void	page_account_password_form(struct ctx *);
void	page_account_password(struct ctx *);
void	page_account_2fa_form(struct ctx *);
void	page_account_2fa(struct ctx *);
void	page_account_confirm_form(struct ctx *);
void	page_account_confirm(struct ctx *);
void	page_account_tokens(struct ctx *);
void	page_account_tokens_revoke(struct ctx *);
void	page_dashboard(struct ctx *);
void	page_sessions(struct ctx *);
void	page_sessions_end(struct ctx *);
void	page_sessions_end_others(struct ctx *);
void	page_logout(struct ctx *);
void	page_static(struct ctx *);
void	page_favicon(struct ctx *);
void	page_auth(struct ctx *);
void	page_auth_denied(struct ctx *);
void	page_authorizer(struct ctx *, const char *uri);
void	page_ping(struct ctx *);
void	page_status(struct ctx *);
void	page_metrics(struct ctx *);
int	page_status_allowed(struct ctx *);
int	page_database_up(struct ctx *);

#ifdef TESSERA_TEST_HOOKS
void	page_test_hang(struct ctx *);	/* tests/hooks/page_test.c */
#endif

void	page_render(struct ctx *, const char *page, const char *title,
	    struct view_dict *);
void	page_error(struct ctx *, int status, const char *message);
void	page_error_step(struct ctx *, int status, const char *message,
	    const char *href, const char *text);
void	page_db_error(struct ctx *);
int	page_csrf_ok(struct ctx *) __attribute__((warn_unused_result));
int	page_session_post(struct ctx *) __attribute__((warn_unused_result));
struct view_dict *page_form_dict(struct ctx *);
struct view_dict *page_signed_in_dict(struct ctx *, const char *signed_out);
void	page_set_time(struct view_dict *, const char *name, const char *iso);
void	page_form_render(struct ctx *, struct view_dict *, const char *tpl,
	    const char *title, int status);
int	page_reauth(struct ctx *, const char *action, const char *what)
	    __attribute__((warn_unused_result));

#endif
