/* Thread binding for multi-threaded workloads, through hwloc: thread i
 * goes to core i mod cores (PUs when the topology shows no cores). */
#include <hwloc.h>

#include "wl_internal.h"

void *wl_topology_open(void)
{
	hwloc_topology_t topo;

	if (hwloc_topology_init(&topo))
		return NULL;
	if (hwloc_topology_load(topo)) {
		hwloc_topology_destroy(topo);
		return NULL;
	}
	return topo;
}

void wl_topology_close(void *topo)
{
	if (topo)
		hwloc_topology_destroy((hwloc_topology_t)topo);
}

int wl_bind_thread(void *topology, int i)
{
	hwloc_topology_t topo = topology;
	hwloc_obj_type_t type = HWLOC_OBJ_CORE;
	int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	hwloc_obj_t obj;

	if (n <= 0) {
		type = HWLOC_OBJ_PU;
		n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	}
	obj = n > 0 ? hwloc_get_obj_by_type(topo, type, (unsigned)(i % n)) : NULL;
	return obj && !hwloc_set_cpubind(topo, obj->cpuset, HWLOC_CPUBIND_THREAD) ? 0 : -1;
}
