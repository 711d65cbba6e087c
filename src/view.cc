// Pages rendered from ctemplate templates with HTML auto-escaping: a C API over a C++ library.
#include "view.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <sstream>
#include <string>

#include <ctemplate/template.h>
#include <ctemplate/template_cache.h>

// A dictionary handed to C. A root owns the layout's dictionary and sets its
// variables in the page's (the layout's BODY include, which does not see the
// layout's values); a section's wrapper points into the tree and is owned by
// the root. No C++ exception leaves a function of the C API: one thrown while
// filling a dictionary marks its root failed, and the root then does not render.
struct view_dict {
	ctemplate::TemplateDictionary	*layout;	// NULL in a section
	ctemplate::TemplateDictionary	*dict;		// where view_set writes
	struct view_dict		*next_child;	// sections made from a root
	struct view_dict		*root;		// itself in a root
	bool				 failed;	// (root) an exception was caught
};

namespace {

// Every template the program renders: each is checked and loaded at start-up
// and at a reload, and no other can be rendered.
const char *const kPages[] = { "layout", "login", "login_code", "dashboard",
    "sessions", "reauth", "account_password", "account_2fa", "account_tokens",
    "error" };
constexpr size_t kPageCount = sizeof(kPages) / sizeof(kPages[0]);
const char *const kAutoescape = "{{%AUTOESCAPE context=\"HTML\"}}";
std::string	 page_files[kPageCount];	// kPages' file names (view_init)
std::string	 stylesheet;

// Returns the file name of the template of page in dir.
std::string
page_file_in(const std::string &dir, const char *page)
{
	return dir + "/" + page + ".tpl";
}

// Returns the file name of page's template, one of kPages; throws for any other.
const std::string &
page_file(const char *page)
{
	for (size_t i = 0; i < kPageCount; i++)
		if (strcmp(kPages[i], page) == 0)
			return page_files[i];
	throw std::invalid_argument("no such page");
}

// Appends what ctemplate expands to a struct buf (whose failed flag then
// says if memory ran out), with no string in between.
class BufEmitter : public ctemplate::ExpandEmitter {
	struct buf *const out_;
public:
	explicit BufEmitter(struct buf *out) : out_(out) {}
	void Emit(char c) override { buf_append(out_, &c, 1); }
	void Emit(const std::string &s) override { buf_append(out_, s.data(), s.size()); }
	void Emit(const char *s) override { buf_append(out_, s, strlen(s)); }
	void Emit(const char *s, size_t len) override { buf_append(out_, s, len); }
};

// Reads a whole file into out. Returns false if it cannot be read.
bool
read_file(const std::string &path, std::string &out)
{
	std::ifstream	 in(path, std::ios::binary);
	std::ostringstream ss;

	if (!in)
		return false;
	ss << in.rdbuf();
	out = ss.str();
	return true;
}

} // namespace

// Checks that every page template of dir exists, begins with the HTML
// auto-escape pragma and parses (in a scratch cache), and reads the
// stylesheet into css. Returns true, or false with a one-line reason in err.
static bool
view_check(const std::string &dir, std::string &css, char *err, size_t errsz)
{
	ctemplate::TemplateCache scratch;
	std::string	 text;

	for (const char *page : kPages) {
		std::string file = page_file_in(dir, page);
		if (!read_file(file, text)) {
			snprintf(err, errsz, "templates: cannot read %s", file.c_str());
			return false;
		}
		if (text.compare(0, strlen(kAutoescape), kAutoescape) != 0) {
			snprintf(err, errsz, "templates: %s must begin with %s",
			    file.c_str(), kAutoescape);
			return false;
		}
		if (!scratch.LoadTemplate(file, ctemplate::STRIP_BLANK_LINES)) {
			snprintf(err, errsz, "templates: %s does not parse",
			    file.c_str());
			return false;
		}
	}
	if (!read_file(dir + "/style.css", css)) {
		snprintf(err, errsz, "templates: cannot read %s/style.css",
		    dir.c_str());
		return false;
	}
	return true;
}

// Loads and parses every page template once (and the stylesheet), after
// checking them all, so a bad set leaves the loaded one in place.
// Returns 0, or -1 with a one-line reason in err.
int
view_init(const char *dir, char *err, size_t errsz)
{
	try {
		std::string	 css;

		if (!view_check(dir, css, err, errsz))
			return -1;
		stylesheet.swap(css);
		ctemplate::mutable_default_template_cache()->ClearCache();
		for (size_t i = 0; i < kPageCount; i++) {
			page_files[i] = page_file_in(dir, kPages[i]);
			ctemplate::LoadTemplate(page_files[i],
			    ctemplate::STRIP_BLANK_LINES);
		}
		return 0;
	} catch (const std::exception &e) {
		snprintf(err, errsz, "templates: %s", e.what());
		return -1;
	} catch (...) {
		snprintf(err, errsz, "templates: cannot be loaded");
		return -1;
	}
}

// Returns a new, empty root dictionary, or NULL when out of memory.
struct view_dict *
view_dict_new(void)
{
	struct view_dict *d = new (std::nothrow) view_dict();

	if (d == NULL)
		return NULL;
	try {
		d->layout = new ctemplate::TemplateDictionary("layout");
		d->dict = d->layout->AddIncludeDictionary("BODY");
	} catch (...) {
		delete d->layout;
		delete d;
		return NULL;
	}
	d->next_child = NULL;
	d->root = d;
	return d;
}

// Frees a root dictionary and every section made from it; accepts NULL.
void
view_dict_free(struct view_dict *d)
{
	struct view_dict *c, *next;

	if (d == NULL)
		return;
	for (c = d->next_child; c != NULL; c = next) {
		next = c->next_child;
		delete c;
	}
	delete d->layout;
	delete d;
}

// Sets a variable; the template escapes it for HTML when it is shown.
void
view_set(struct view_dict *d, const char *name, const char *value)
{
	try {
		d->dict->SetValue(name, value != NULL ? value : "");
	} catch (...) {
		d->root->failed = true;
	}
}

// Sets a variable to a whole number.
void
view_set_int(struct view_dict *d, const char *name, long long value)
{
	try {
		d->dict->SetFormattedValue(name, "%lld", value);
	} catch (...) {
		d->root->failed = true;
	}
}

// Shows one more instance of a {{#section}} and returns its dictionary
// (owned by the root of d); variables not set in it are looked up in d.
// Never NULL: when out of memory it returns d and the root will not render.
struct view_dict *
view_section_add(struct view_dict *d, const char *section)
{
	struct view_dict *c = new (std::nothrow) view_dict();

	if (c == NULL) {
		d->root->failed = true;
		return d;
	}
	try {
		c->dict = d->dict->AddSectionDictionary(section);
	} catch (...) {
		delete c;
		d->root->failed = true;
		return d;
	}
	c->layout = NULL;
	c->root = d->root;
	c->next_child = d->root->next_child;
	d->root->next_child = c;
	return c;
}

// Renders page inside the layout (the page is the layout's {{>BODY}}) under
// title and appends the HTML to out. Returns 0, or -1 if rendering failed or
// filling the dictionary d (a root) did.
int
view_render(const char *page, const char *title, struct view_dict *d,
    struct buf *out)
{
	try {
		BufEmitter	 emit(out);

		if (d->failed)
			return -1;
		d->layout->SetValue("TITLE", title);
		d->dict->SetFilename(page_file(page));
		if (!ctemplate::ExpandTemplate(page_file("layout"),
		    ctemplate::STRIP_BLANK_LINES, d->layout, &emit))
			return -1;
		return out->failed ? -1 : 0;
	} catch (...) {
		return -1;
	}
}

// Returns a static asset read at start-up (only "style.css"), or NULL.
const char *
view_asset(const char *name, size_t *len)
{
	if (strcmp(name, "style.css") != 0)
		return NULL;
	*len = stylesheet.size();
	return stylesheet.data();
}
