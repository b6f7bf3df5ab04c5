/*
 * A second file with its own static vnet_entry_dup, so that the set contains
 * two symbols of the same name at different addresses.
 */
#include "vnet_mock.h"

VNET_DEFINE_STATIC(short, dup) = 2;

void
other_set_dup(struct vnet *vnet, int value)
{
	VNET_VNET(vnet, dup) = (short)value;
}
