build-me/obj/harness/cmd_help.o: harness/cmd_help.c harness/cli.h \
 harness/error.h
harness/cli.h:
harness/error.h:
