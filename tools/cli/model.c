/* Models for the command line: JSON through the nn registry, plus BasicBlock, the residual
 * block of torchvision's ResNet, which a Sequential alone cannot express (the skip connection).
 *
 *   {"type": "BasicBlock", "args": [64, 128], "kwargs": {"stride": 2}}
 *
 * is torchvision.models.resnet.BasicBlock(64, 128, stride=2, downsample=<1x1 conv + BN>): the
 * downsample path is built when the stride or the channel count changes, as ResNet's
 * _make_layer does. Its state_dict names are torchvision's (conv1, bn1, conv2, bn2, downsample.0,
 * downsample.1). */
#include "cli.h"

#include <string.h>

typedef struct {
  ct_module base;
  ct_module *conv1, *bn1, *conv2, *bn2, *downsample; /* borrowed from the registered children */
} basic_block;

static ct_tensor *block_forward(ct_module *m, ct_tensor *x) {
  basic_block *b = (basic_block *)m;
  ct_tensor *out = ct_relu(ct_forward(b->bn1, ct_forward(b->conv1, x)));
  out = ct_forward(b->bn2, ct_forward(b->conv2, out));
  ct_tensor *identity = b->downsample ? ct_forward(b->downsample, x) : x;
  return ct_relu(ct_add(out, identity));
}

static ct_module *block_build(const ct_values *args);
static const ct_module_kind block_kind = {"BasicBlock", sizeof(basic_block), .forward1 = block_forward,
                                          .build = block_build};

static ct_module *conv(int64_t in, int64_t out, int64_t k, int64_t stride) {
  return ct_nn_create("Conv2d", &CT_VALUES(ct_v_int(in), ct_v_int(out), ct_v_int(k), ct_v_kw("stride", ct_v_int(stride)),
                                           ct_v_kw("padding", ct_v_int(k / 2)), ct_v_kw("bias", ct_v_bool(false))));
}
static ct_module *bn(int64_t c) { return ct_nn_create("BatchNorm2d", &CT_VALUES(ct_v_int(c))); }

static int int_arg(const ct_values *args, int pos, const char *key, int64_t *out) {
  const ct_value *v = ct_values_get(args, pos, key);
  if (!v) return 0;
  if (v->type != CT_V_INT)
    return ct_set_error("BasicBlock.__init__(): argument '%s' must be int", key);
  *out = v->i;
  return 1;
}

static ct_module *block_build(const ct_values *args) {
  static const char *const keys[] = {"inplanes", "planes", "stride"};
  for (int i = 0; i < args->n; i++) {
    const char *k = args->v[i].key;
    if (k && strcmp(k, keys[0]) && strcmp(k, keys[1]) && strcmp(k, keys[2])) {
      ct_set_error("BasicBlock.__init__() got an unexpected keyword argument '%s'", k);
      return NULL;
    }
  }
  int64_t inplanes = 0, planes = 0, stride = 1;
  int a = int_arg(args, 0, "inplanes", &inplanes), b = int_arg(args, 1, "planes", &planes),
      c = int_arg(args, 2, "stride", &stride);
  if (a < 0 || b < 0 || c < 0) return NULL;
  if (!a || !b) {
    ct_set_error("BasicBlock.__init__() missing required positional arguments: 'inplanes' and 'planes'");
    return NULL;
  }
  ct_module *m = ct_module_new(&block_kind);
  if (!m) return NULL;
  basic_block *blk = (basic_block *)m;
  blk->conv1 = ct_module_register_module(m, "conv1", conv(inplanes, planes, 3, stride));
  blk->bn1 = ct_module_register_module(m, "bn1", bn(planes));
  blk->conv2 = ct_module_register_module(m, "conv2", conv(planes, planes, 3, 1));
  blk->bn2 = ct_module_register_module(m, "bn2", bn(planes));
  bool ok = blk->conv1 && blk->bn1 && blk->conv2 && blk->bn2;
  if (ok && (stride != 1 || inplanes != planes)) {
    blk->downsample = ct_module_register_module(m, "downsample", ct_nn_sequential(conv(inplanes, planes, 1, stride), bn(planes)));
    ok = blk->downsample != NULL;
  }
  if (!ok) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

void cli_register_layers(void) {
  if (!ct_nn_find_kind("BasicBlock")) ct_nn_register_kind(&block_kind);
  ct_clear_error();
}

ct_module *cli_load_model(const char *cmd, const char *path) {
  if (!path) {
    cli_fail(cmd, "no model given; type --model MODEL.json (models/ has examples)");
    return NULL;
  }
  cli_register_layers();
  ct_module *m = ct_nn_load_json(path);
  if (!m) {
    const char *e = ct_last_error();
    cli_fail(cmd, "cannot build the model in %s: %s", path, e ? e : "failed");
    ct_clear_error();
  }
  return m;
}
