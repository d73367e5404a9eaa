window.unravelTooOld && window.unravelTooOld();
