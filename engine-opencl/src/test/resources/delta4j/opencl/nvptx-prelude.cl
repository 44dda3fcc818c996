// The OpenCL work-item and barrier functions for clang's NVPTX target, which has no OpenCL library: prepended to
// gemm_mma.cl by PtxAssemblyTest so that clang's PTX links in ptxas. They read the PTX special registers and
// emit bar.sync, as NVIDIA's own OpenCL compiler does.
size_t __attribute__((overloadable, const)) get_local_id(uint d) {
    return d == 0 ? __nvvm_read_ptx_sreg_tid_x() : d == 1 ? __nvvm_read_ptx_sreg_tid_y() : __nvvm_read_ptx_sreg_tid_z();
}
size_t __attribute__((overloadable, const)) get_group_id(uint d) {
    return d == 0 ? __nvvm_read_ptx_sreg_ctaid_x() : d == 1 ? __nvvm_read_ptx_sreg_ctaid_y() : __nvvm_read_ptx_sreg_ctaid_z();
}
void __attribute__((overloadable)) barrier(cl_mem_fence_flags flags) {
    __asm__ volatile("bar.sync 0;" ::: "memory");
}
