/* QR codes (libqrencode) as the path of an SVG image, for the second-factor enrolment page. */
#ifndef TESSERA_QR_H
#define TESSERA_QR_H

#include "buf.h"

#define QR_QUIET	4	/* the blank margin around the symbol, in modules */

int	qr_svg_path(const char *text, struct buf *path, int *size)
	    __attribute__((warn_unused_result));

#endif
