/* QR codes (libqrencode) as the path of an SVG image, for the second-factor enrolment page. */
#include "qr.h"

#include <qrencode.h>

/*
 * Encodes text (error correction M) and appends to path the SVG path data
 * of its dark modules, one "M x y h1v1h-1z" square each, offset by the
 * quiet zone; *size is the side of the whole image in modules. The path
 * holds only "Mhvz-", digits and spaces, so it needs no escaping.
 * Returns 0, or -1 if the text cannot be encoded or the buffer is full.
 */
int
qr_svg_path(const char *text, struct buf *path, int *size)
{
	QRcode	*qr;
	int	 x, y, rc = 0;

	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) == NULL)
		return -1;
	for (y = 0; y < qr->width && rc == 0; y++)
		for (x = 0; x < qr->width && rc == 0; x++)
			if (qr->data[y * qr->width + x] & 1)
				rc = buf_printf(path, "M%d %dh1v1h-1z",
				    x + QR_QUIET, y + QR_QUIET) < 0 ? -1 : 0;
	*size = qr->width + 2 * QR_QUIET;
	QRcode_free(qr);
	return rc;
}
