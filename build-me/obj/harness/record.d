build-me/obj/harness/record.o: harness/record.c harness/record.h \
 harness/measure/metric.h harness/measure/sysinfo.h harness/error.h
harness/record.h:
harness/measure/metric.h:
harness/measure/sysinfo.h:
harness/error.h:
