/* ctorch: train, evaluate and inspect models from the command line.
 *   ctorch train --model models/fashion_cnn.json --data fashion-mnist --epochs 5 --out run/
 * `ctorch COMMAND --help` lists each command's options. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *what;
} commands[] = {
    {"train", cmd_train, "train a model (JSON) on a dataset, with checkpoints and reports"},
    {"eval", cmd_eval, "test a trained model: loss, accuracy, confusion matrix"},
    {"predict", cmd_predict, "classify one image (PNG) or one IDX / CSV row"},
    {"summary", cmd_summary, "layers, output shapes and parameter counts of a model"},
    {"inspect", cmd_inspect, "names, shapes, dtypes and sizes in a .pth, .safetensors, .npy or .npz file"},
    {"convert", cmd_convert, "convert between .pth/.pt, .safetensors, .npy and .npz (by extension)"},
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void usage(FILE *f) {
  fprintf(f, "usage: ctorch COMMAND [options]\n\ncommands:\n");
  for (int i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].what);
  fprintf(f, "\nType 'ctorch COMMAND --help' for a command's options. First run:\n"
             "  ctorch train --model models/fashion_cnn.json --data fashion-mnist --epochs 5 --out run/\n");
}

int main(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? EXIT_USAGE : 0;
  }
  for (int i = 0; i < N_COMMANDS; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  const char *guess = NULL;
  for (int i = 0; i < N_COMMANDS; i++) /* same letters, another order or one off: "trian", "sumary" */
    if (abs((int)strlen(argv[1]) - (int)strlen(commands[i].name)) <= 1 && argv[1][0] == commands[i].name[0])
      guess = commands[i].name;
  fprintf(stderr, "ctorch: error: unknown command '%s'", argv[1]);
  if (guess) fprintf(stderr, "; did you mean 'ctorch %s'?", guess);
  fprintf(stderr, "\nCommands: train, eval, predict, summary, inspect, convert. Type 'ctorch --help' for what each does.\n");
  return EXIT_USAGE;
}
