/* oneDNN's one CPU engine, made once (conv_dnnl.c); NULL when oneDNN cannot make one. Only
 * where CT_HAVE_DNNL is defined. */
#ifndef CT_DNNL_ENGINE_H
#define CT_DNNL_ENGINE_H
#include <dnnl.h>
dnnl_engine_t ct__dnnl_engine(void);
#endif
