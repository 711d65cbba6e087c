/* Pages rendered from ctemplate templates with HTML auto-escaping: a C API over a C++ library. */
#ifndef TESSERA_VIEW_H
#define TESSERA_VIEW_H

#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct view_dict;

int	 view_init(const char *template_dir, char *err, size_t errsz);
struct view_dict *view_dict_new(void);
void	 view_dict_free(struct view_dict *);
void	 view_set(struct view_dict *, const char *name, const char *value);
void	 view_set_int(struct view_dict *, const char *name, long long value);
struct view_dict *view_section_add(struct view_dict *, const char *section);
int	 view_render(const char *page, const char *title, struct view_dict *,
	    struct buf *out);
const char *view_asset(const char *name, size_t *len);

#ifdef __cplusplus
}
#endif

#endif
