build-me/obj/harness/cli.o: harness/cli.c harness/cli.h harness/error.h
harness/cli.h:
harness/error.h:
