#ifndef OCCAM_PNG_H
#define OCCAM_PNG_H
/*
 * The only code in Occam that talks to libpng and zlib directly.
 *
 * libpng reports errors by longjmp. Every setjmp lives in this file, so a
 * longjmp never crosses a Swift frame: each function returns 0 on success or
 * a negative OCCAM_PNG_* code, with a human-readable message in `err`.
 */
#include <stddef.h>
#include <stdint.h>

enum {
    OCCAM_PNG_OK = 0,
    OCCAM_PNG_ERR_OPEN = -1,      /* file could not be opened */
    OCCAM_PNG_ERR_SIGNATURE = -2, /* not a PNG file */
    OCCAM_PNG_ERR_LIBPNG = -3,    /* libpng reported an error (message in err) */
    OCCAM_PNG_ERR_LIMIT = -4,     /* image exceeds the caller's limits */
    OCCAM_PNG_ERR_MEMORY = -5,    /* allocation failed */
    OCCAM_PNG_ERR_ARGUMENT = -6,  /* bad argument (channels, sizes) */
    OCCAM_PNG_ERR_ZLIB = -7       /* zlib failed */
};

/// Write an 8-bit PNG. channels: 1 (grey) or 3 (RGB). filter: a PNG_FILTER_* mask
/// (0 lets libpng choose). level: zlib level 0–9. strategy: zlib strategy (0 default,
/// 1 filtered, 2 huffman only, 3 RLE).
int occam_png_write(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
                    int channels, int level, int filter, int strategy,
                    char *err, size_t errlen);

/// Read a PNG as 8-bit grey (channels = 1) or RGB (channels = 3), whichever is closer to the
/// file: palette, 16-bit, low bit depth and alpha are converted. Limits are checked against
/// IHDR before any pixel buffer is allocated. On success *pixels is malloc'ed (free with
/// occam_png_free).
int occam_png_read(const char *path, uint32_t max_width, uint32_t max_height, size_t max_bytes,
                   uint8_t **pixels, uint32_t *width, uint32_t *height, int *channels,
                   char *err, size_t errlen);

/// Same as occam_png_read, from a memory buffer.
int occam_png_read_memory(const uint8_t *data, size_t length, uint32_t max_width,
                          uint32_t max_height, size_t max_bytes, uint8_t **pixels,
                          uint32_t *width, uint32_t *height, int *channels,
                          char *err, size_t errlen);

void occam_png_free(uint8_t *pixels);

/// zlib-compress `src` into a malloc'ed buffer (free with occam_png_free).
int occam_zlib_compress(const uint8_t *src, size_t length, int level, int strategy,
                        uint8_t **out, size_t *outlen, char *err, size_t errlen);

/// CRC-32 as used by PNG chunks.
uint32_t occam_crc32(uint32_t crc, const uint8_t *data, size_t length);

#endif
