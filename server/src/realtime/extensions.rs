//! Typed per-socket data (`socket.set_data(PlayerId(7))`, `socket.data::<PlayerId>()`).
//!
//! One value per type, like `http::Extensions`: the game stores its own types on a socket without
//! the realtime layer knowing them.

use parking_lot::Mutex;
use std::any::{Any, TypeId};
use std::collections::HashMap;

/// A map from type to one value of that type.
#[derive(Default)]
pub struct Extensions {
    map: Mutex<HashMap<TypeId, Box<dyn Any + Send + Sync>>>,
}

impl Extensions {
    /// Stores `value`, returning the previous value of that type.
    pub fn insert<T: Send + Sync + 'static>(&self, value: T) -> Option<T> {
        self.map
            .lock()
            .insert(TypeId::of::<T>(), Box::new(value))
            .and_then(|old| old.downcast::<T>().ok().map(|b| *b))
    }

    /// A clone of the value of type `T`.
    pub fn get<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.map
            .lock()
            .get(&TypeId::of::<T>())
            .and_then(|b| b.downcast_ref::<T>())
            .cloned()
    }

    /// Runs `f` on the value of type `T` (mutable, in place). Do not call other `Extensions`
    /// methods of the same socket from `f` (the map is locked).
    pub fn with<T: Send + Sync + 'static, R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        self.map
            .lock()
            .get_mut(&TypeId::of::<T>())
            .and_then(|b| b.downcast_mut::<T>())
            .map(f)
    }

    /// Removes and returns the value of type `T`.
    pub fn remove<T: Send + Sync + 'static>(&self) -> Option<T> {
        self.map
            .lock()
            .remove(&TypeId::of::<T>())
            .and_then(|old| old.downcast::<T>().ok().map(|b| *b))
    }

    pub(crate) fn clear(&self) {
        // Take the values out first so their destructors run without the lock held.
        let old = std::mem::take(&mut *self.map.lock());
        drop(old);
    }
}
