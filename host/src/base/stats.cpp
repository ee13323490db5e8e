#include "base/stats.h"

namespace wshost
{

Stats &stats()
{
    static Stats instance;
    return instance;
}

} // namespace wshost
