from .ld_region_assigner import RotatedLDRegionAssigner, horizontal_proxy, ld_region_weights

__all__ = ['RotatedLDRegionAssigner', 'horizontal_proxy', 'ld_region_weights']
