#include "occam_png.h"
#include <png.h>
#include <zlib.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Error context handed to libpng; the error callback copies the message and longjmps
   back into the function that called setjmp (always in this file). */
typedef struct {
    char *err;
    size_t errlen;
    char warning[160]; /* last warning: libpng often explains an error in a warning first */
} shim_ctx;

static void shim_set_error(char *err, size_t errlen, const char *msg) {
    if (err && errlen > 0) {
        snprintf(err, errlen, "%s", msg);
    }
}

static void shim_error_fn(png_structp png, png_const_charp msg) {
    shim_ctx *ctx = (shim_ctx *)png_get_error_ptr(png);
    if (ctx) {
        if (ctx->warning[0] && ctx->err && ctx->errlen > 0) {
            snprintf(ctx->err, ctx->errlen, "%s (%s)", msg ? msg : "libpng error", ctx->warning);
        } else {
            shim_set_error(ctx->err, ctx->errlen, msg ? msg : "libpng error");
        }
    }
    png_longjmp(png, 1);
}

static void shim_warning_fn(png_structp png, png_const_charp msg) {
    /* Warnings (e.g. unknown ancillary chunks) are not errors; keep the last one to explain
       an error that may follow. */
    shim_ctx *ctx = (shim_ctx *)png_get_error_ptr(png);
    if (ctx && msg) snprintf(ctx->warning, sizeof ctx->warning, "%s", msg);
}

int occam_png_write(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
                    int channels, int level, int filter, int strategy,
                    char *err, size_t errlen) {
    if (!path || !pixels || width == 0 || height == 0 || (channels != 1 && channels != 3)) {
        shim_set_error(err, errlen, "invalid arguments to PNG writer");
        return OCCAM_PNG_ERR_ARGUMENT;
    }
    FILE *volatile fp = fopen(path, "wb");
    if (!fp) {
        shim_set_error(err, errlen, "cannot open file for writing");
        return OCCAM_PNG_ERR_OPEN;
    }
    shim_ctx ctx = {err, errlen, {0}};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, shim_error_fn,
                                              shim_warning_fn);
    if (!png) {
        fclose(fp);
        shim_set_error(err, errlen, "out of memory creating PNG writer");
        return OCCAM_PNG_ERR_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        fclose(fp);
        shim_set_error(err, errlen, "out of memory creating PNG info");
        return OCCAM_PNG_ERR_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(fp);
        return OCCAM_PNG_ERR_LIBPNG;
    }
    png_init_io(png, fp);
    png_set_IHDR(png, info, width, height, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (filter != 0) png_set_filter(png, 0, filter);
    png_set_compression_level(png, level);
    png_set_compression_strategy(png, strategy);
    png_write_info(png, info);
    size_t stride = (size_t)width * (size_t)channels;
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * stride));
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(fp) != 0) {
        shim_set_error(err, errlen, "error closing file (disk full?)");
        return OCCAM_PNG_ERR_OPEN;
    }
    return OCCAM_PNG_OK;
}

typedef struct {
    const uint8_t *data;
    size_t length;
    size_t offset;
} mem_reader;

static void shim_read_memory(png_structp png, png_bytep out, png_size_t count) {
    mem_reader *r = (mem_reader *)png_get_io_ptr(png);
    if (count > r->length - r->offset) {
        png_error(png, "truncated PNG data");
    }
    memcpy(out, r->data + r->offset, count);
    r->offset += count;
}

/* Shared body of the file and memory readers. Exactly one of fp / mem is non-NULL. */
static int shim_read(FILE *fp, mem_reader *mem, uint32_t max_width, uint32_t max_height,
                     size_t max_bytes, uint8_t **pixels, uint32_t *out_width,
                     uint32_t *out_height, int *out_channels, char *err, size_t errlen) {
    shim_ctx ctx = {err, errlen, {0}};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, shim_error_fn,
                                             shim_warning_fn);
    if (!png) {
        shim_set_error(err, errlen, "out of memory creating PNG reader");
        return OCCAM_PNG_ERR_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        shim_set_error(err, errlen, "out of memory creating PNG info");
        return OCCAM_PNG_ERR_MEMORY;
    }
    uint8_t *volatile buffer = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(buffer);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return OCCAM_PNG_ERR_LIBPNG;
    }
    /* Limits libpng itself enforces while reading (before allocation). */
    png_set_user_limits(png, max_width, max_height);
    png_set_chunk_malloc_max(png, 8u * 1024u * 1024u);
    png_set_chunk_cache_max(png, 1000);
    if (fp) {
        png_init_io(png, fp);
    } else {
        png_set_read_fn(png, mem, shim_read_memory);
    }
    png_read_info(png, info);
    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    if (width == 0 || height == 0 || width > max_width || height > max_height) {
        snprintf(err, errlen, "image %ux%u exceeds the limit %ux%u", (unsigned)width,
                 (unsigned)height, (unsigned)max_width, (unsigned)max_height);
        png_destroy_read_struct(&png, &info, NULL);
        return OCCAM_PNG_ERR_LIMIT;
    }
    if (bit_depth == 16) png_set_strip_16(png);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    if (channels != 1 && channels != 3) {
        snprintf(err, errlen, "unsupported channel count %d after conversion", channels);
        png_destroy_read_struct(&png, &info, NULL);
        return OCCAM_PNG_ERR_ARGUMENT;
    }
    size_t stride = (size_t)width * (size_t)channels;
    if (png_get_rowbytes(png, info) != stride) {
        shim_set_error(err, errlen, "unexpected row size after conversion");
        png_destroy_read_struct(&png, &info, NULL);
        return OCCAM_PNG_ERR_ARGUMENT;
    }
    if ((size_t)height > max_bytes / stride) {
        snprintf(err, errlen, "image %ux%ux%d needs more than the limit of %zu bytes",
                 (unsigned)width, (unsigned)height, channels, max_bytes);
        png_destroy_read_struct(&png, &info, NULL);
        return OCCAM_PNG_ERR_LIMIT;
    }
    buffer = (uint8_t *)malloc(stride * (size_t)height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (!buffer || !rows) {
        free(buffer);
        free(rows);
        shim_set_error(err, errlen, "out of memory for pixels");
        png_destroy_read_struct(&png, &info, NULL);
        return OCCAM_PNG_ERR_MEMORY;
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = buffer + (size_t)y * stride;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    *pixels = buffer;
    *out_width = width;
    *out_height = height;
    *out_channels = channels;
    return OCCAM_PNG_OK;
}

static int shim_check_signature(const uint8_t *sig, size_t n, char *err, size_t errlen) {
    if (n < 8 || png_sig_cmp((png_const_bytep)sig, 0, 8) != 0) {
        shim_set_error(err, errlen, "not a PNG file (bad signature)");
        return OCCAM_PNG_ERR_SIGNATURE;
    }
    return OCCAM_PNG_OK;
}

int occam_png_read(const char *path, uint32_t max_width, uint32_t max_height, size_t max_bytes,
                   uint8_t **pixels, uint32_t *width, uint32_t *height, int *channels,
                   char *err, size_t errlen) {
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        shim_set_error(err, errlen, "cannot open file for reading");
        return OCCAM_PNG_ERR_OPEN;
    }
    uint8_t sig[8];
    size_t n = fread(sig, 1, 8, fp);
    int rc = shim_check_signature(sig, n, err, errlen);
    if (rc == OCCAM_PNG_OK) {
        rewind(fp);
        rc = shim_read(fp, NULL, max_width, max_height, max_bytes, pixels, width, height,
                       channels, err, errlen);
    }
    fclose(fp);
    return rc;
}

int occam_png_read_memory(const uint8_t *data, size_t length, uint32_t max_width,
                          uint32_t max_height, size_t max_bytes, uint8_t **pixels,
                          uint32_t *width, uint32_t *height, int *channels,
                          char *err, size_t errlen) {
    int rc = shim_check_signature(data, length, err, errlen);
    if (rc != OCCAM_PNG_OK) return rc;
    mem_reader reader = {data, length, 0};
    return shim_read(NULL, &reader, max_width, max_height, max_bytes, pixels, width, height,
                     channels, err, errlen);
}

void occam_png_free(uint8_t *pixels) { free(pixels); }

int occam_zlib_compress(const uint8_t *src, size_t length, int level, int strategy,
                        uint8_t **out, size_t *outlen, char *err, size_t errlen) {
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, level, Z_DEFLATED, 15, 8, strategy) != Z_OK) {
        shim_set_error(err, errlen, "zlib deflateInit2 failed");
        return OCCAM_PNG_ERR_ZLIB;
    }
    uLong bound = deflateBound(&zs, (uLong)length);
    uint8_t *buffer = (uint8_t *)malloc(bound);
    if (!buffer) {
        deflateEnd(&zs);
        shim_set_error(err, errlen, "out of memory for zlib output");
        return OCCAM_PNG_ERR_MEMORY;
    }
    zs.next_in = (Bytef *)src;
    zs.avail_in = (uInt)length;
    zs.next_out = buffer;
    zs.avail_out = (uInt)bound;
    int rc = deflate(&zs, Z_FINISH);
    if (rc != Z_STREAM_END) {
        free(buffer);
        deflateEnd(&zs);
        shim_set_error(err, errlen, "zlib deflate did not finish");
        return OCCAM_PNG_ERR_ZLIB;
    }
    *outlen = zs.total_out;
    *out = buffer;
    deflateEnd(&zs);
    return OCCAM_PNG_OK;
}

uint32_t occam_crc32(uint32_t crc, const uint8_t *data, size_t length) {
    return (uint32_t)crc32((uLong)crc, (const Bytef *)data, (uInt)length);
}
