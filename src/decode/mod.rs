//! Bytes to text. (stub — being written)
