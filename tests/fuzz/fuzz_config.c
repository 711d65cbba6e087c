/* Fuzzes config_load with the input as the configuration file (held in a memfd). */
#include "fuzz.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

static int	 conf_fd = -1;
static char	 conf_path[64];

/* Makes the in-memory file (config_load also reads TESSERA_ variables: run.sh clears them). */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((conf_fd = memfd_create("tessera.conf", 0)) == -1)
		abort();
	snprintf(conf_path, sizeof(conf_path), "/proc/self/fd/%d", conf_fd);
	return 0;
}

/* Loads the input as tessera.conf; an error must be one line. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 cfg;
	char		 err[1024];

	if (ftruncate(conf_fd, 0) == -1 ||
	    pwrite(conf_fd, data, size, 0) != (ssize_t)size)
		abort();
	err[0] = '\0';
	if (config_load(&cfg, conf_path, err, sizeof(err)) == -1)
		FUZZ_ASSERT(err[0] != '\0' && strchr(err, '\n') == NULL);
	else
		FUZZ_ASSERT(cfg.workers >= 1 && cfg.max_body >= 1024 &&
		    cfg.absolute_timeout >= cfg.idle_timeout);
	config_free(&cfg);
	return 0;
}
