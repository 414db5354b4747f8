build-me/obj/harness/measure/metric.o: harness/measure/metric.c \
 harness/measure/metric.h
harness/measure/metric.h:
